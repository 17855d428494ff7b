;;; guixml --- companion channel for the guixml ML-weights audit
;;; Copyright © 2026 The guixml authors
;;;
;;; This file is free software; you can redistribute it and/or modify it
;;; under the terms of the GNU General Public License as published by the
;;; Free Software Foundation; either version 3 of the License, or (at your
;;; option) any later version.

(define-module (guixml manifest)
  #:use-module (guixml ml)
  #:use-module (ice-9 exceptions)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-26)
  #:export (ml-package-dependencies
            ml-closure-rejections
            ml-policy-filter
            manifest-ml-policy-filter

            &ml-policy-refusal
            ml-policy-refusal?
            ml-policy-refusal-policy
            ml-policy-refusal-offenders))

;;; Commentary:
;;;
;;; Refusing packages whose closure an ML policy rejects, the way nixpkgs
;;; refuses packages that are not built from source: its 'allowNonSource'
;;; option is our POLICY argument (#f allows everything) and its
;;; 'allowNonSourcePredicate' is our ALLOW? escape hatch, called on each
;;; offending package.  In a manifest.scm:
;;;
;;;   (use-modules (guixml manifest))
;;;   (manifest-ml-policy-filter
;;;    (specifications->manifest '("stockfish" "gnubg" "lc0"))
;;;    #:policy 'debian
;;;    #:allow? (lambda (package)
;;;               (member (package-name package) '("gnubg"))))
;;;
;;; The closure walk works on any graph: DEPENDENCIES maps a node to its
;;; direct dependencies, and a node's annotation is what (guixml ml) reads
;;; from it (a package record, or a properties alist in tests).
;;;
;;; Code:

(define (guix-packages-ref name)
  "Return the procedure NAME of (guix packages), or #f when Guix is absent.
'eval' rather than 'module-ref': Guix's record procedures are inlinable
macros."
  (let ((module (resolve-module '(guix packages) #:ensure #f)))
    (and module
         (module-variable module name)
         (eval name module))))

(define* (ml-package-dependencies package #:key (native? #t))
  "Return the packages among the direct inputs of PACKAGE: its inputs,
propagated inputs and, when NATIVE? is true, native inputs.  Return the empty
list when PACKAGE is not a package record."
  (let ((package? (guix-packages-ref 'package?)))
    (if (and package? (package? package))
        (delete-duplicates
         (filter-map (match-lambda
                       ((_ (? package? dependency) . _) dependency)
                       (_ #f))
                     (append-map (lambda (field)
                                   ((guix-packages-ref field) package))
                                 (if native?
                                     '(package-inputs
                                       package-propagated-inputs
                                       package-native-inputs)
                                     '(package-inputs
                                       package-propagated-inputs))))
         eq?)
        '())))

(define* (ml-closure-rejections policy root
                                #:key
                                (dependencies ml-package-dependencies)
                                (allow? (const #f))
                                (refuse '(reject))
                                (cache (make-hash-table)))
  "Return the list of (NODE . VERDICT) pairs for the nodes of the closure of
ROOT, ROOT included, whose verdict under POLICY (a symbol of %ml-policies) is
in REFUSE and that ALLOW? does not excuse; ROOT comes first, then the
dependencies depth first, each node once.  DEPENDENCIES returns the direct
dependencies of a node.  CACHE, a hash table, may be shared between calls with
the same other arguments so that shared sub-graphs are walked once."
  (define (own node)
    (let ((verdict (ml-policy-verdict policy node)))
      ;; An invalid annotation is refused whatever REFUSE says: fail closed.
      (if (and (or (memq (ml-verdict-verdict verdict) refuse)
                   (memq 'invalid-annotation (ml-verdict-reasons verdict)))
               (not (allow? node)))
          (list (cons node verdict))
          '())))

  (define (walk node)
    (or (hashq-ref cache node)
        (begin
          (hashq-set! cache node '())             ;guard against cycles
          (let ((result (delete-duplicates
                         (append (own node)
                                 (append-map walk (dependencies node)))
                         (lambda (a b) (eq? (car a) (car b))))))
            (hashq-set! cache node result)
            result))))

  (walk root))

(define-exception-type &ml-policy-refusal &error
  make-ml-policy-refusal
  ml-policy-refusal?
  (policy ml-policy-refusal-policy)
  (offenders ml-policy-refusal-offenders))     ;list of (ROOT NODE . VERDICT)

(define* (ml-policy-filter packages
                           #:key
                           (policy 'guix-2023)
                           (allow? (const #f))
                           (action 'drop)
                           (refuse '(reject))
                           (dependencies ml-package-dependencies))
  "Return the elements of PACKAGES whose closure POLICY accepts.  POLICY is a
symbol of %ml-policies, or #f to accept everything.  ALLOW? is called on each
package of a closure that POLICY refuses; when it returns true, that package
is let through.  REFUSE lists the verdicts that count as a refusal (add
'review to refuse packages whose facts are unknown).  ACTION is 'drop to leave
the refused packages out, or 'error to raise an &ml-policy-refusal naming
them."
  (if (not policy)
      packages
      (let* ((cache (make-hash-table))
             (verdicts (map (lambda (package)
                              (cons package
                                    (ml-closure-rejections
                                     policy package
                                     #:dependencies dependencies
                                     #:allow? allow?
                                     #:refuse refuse
                                     #:cache cache)))
                            packages))
             (refused (filter (match-lambda
                                ((_ . rejections) (pair? rejections)))
                              verdicts)))
        (match action
          ('drop
           (filter-map (match-lambda
                         ((package) package)
                         (_ #f))
                       verdicts))
          ('error
           (if (null? refused)
               packages
               (raise-exception
                (make-exception
                 (make-ml-policy-refusal
                  policy
                  (append-map (match-lambda
                                ((root . rejections)
                                 (map (cut cons root <>) rejections)))
                              refused))
                 ;; Guix prints the message, not the irritants: name the
                 ;; packages and why in the message itself.
                 (make-exception-with-message
                  (format #f "~a package(s) refused by ML policy '~a': ~a"
                          (length refused) policy
                          (string-join (map refusal-text refused) "; ")))
                 (make-exception-with-irritants (map car refused))))))))))

(define (package-text package)
  "PACKAGE as NAME@VERSION when it is a Guix package, else as written."
  (let ((package? (guix-packages-ref 'package?)))
    (if (and package? (package? package))
        (string-append ((guix-packages-ref 'package-name) package) "@"
                       ((guix-packages-ref 'package-version) package))
        (object->string package))))

(define (refusal-text refused)
  "REFUSED, a (ROOT (NODE . VERDICT) ...) entry, as text: ROOT, the node
refused when it is not ROOT itself, the verdict and its reasons."
  (match refused
    ((root (node . verdict) . _)
     (format #f "~a~a (~a: ~a)"
             (package-text root)
             (if (eq? node root) ""
                 (string-append " through " (package-text node)))
             (ml-verdict-verdict verdict)
             (string-join (map symbol->string (ml-verdict-reasons verdict))
                          ", ")))))

(define* (manifest-ml-policy-filter manifest #:rest options)
  "Return MANIFEST without the entries whose package closure fails the
policy; OPTIONS are those of 'ml-policy-filter'.  Entries whose item is not a
package are kept as they are.  Needs Guix's (guix profiles)."
  (let* ((profiles (resolve-module '(guix profiles)))
         (ref (cut eval <> profiles))             ;inlinable accessors
         (item (ref 'manifest-entry-item))
         (entries ((ref 'manifest-entries) manifest))
         (package? (guix-packages-ref 'package?))
         (kept (apply ml-policy-filter
                      (filter-map (lambda (entry)
                                    (and (package? (item entry)) (item entry)))
                                  entries)
                      options)))
    ((ref 'make-manifest)
     (filter (lambda (entry)
               (or (not (package? (item entry)))
                   (memq (item entry) kept)))
             entries))))

;;; manifest.scm ends here
